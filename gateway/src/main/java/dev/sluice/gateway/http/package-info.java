/**
 * HTTP plumbing: the verticle, body limits, and the single mapping of failures to JSON errors
 * ({@code {"error":{"code":…,"message":…}}}). Features mount their own paths through {@link
 * dev.sluice.gateway.http.Routes}; no feature writes an error body by hand.
 */
package dev.sluice.gateway.http;
