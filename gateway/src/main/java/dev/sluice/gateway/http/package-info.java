/**
 * HTTP plumbing: the verticle, body limits, and the single mapping of failures to JSON errors
 * ({@code {"error":{"code":…,"message":…}}}). Features mount their own paths through {@link
 * dev.sluice.gateway.http.Routes}; no feature writes an error body by hand. A few hot {@code POST}
 * paths may also be served ahead of the router ({@link dev.sluice.gateway.http.DirectRoute}) with
 * the same body limit, 413 and error shape.
 */
package dev.sluice.gateway.http;
