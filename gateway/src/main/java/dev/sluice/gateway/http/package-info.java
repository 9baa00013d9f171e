/**
 * HTTP plumbing: the verticle, body limits, reading request bodies, writing answers, and the single
 * mapping of failures to JSON errors ({@code {"error":{"code":…,"message":…}}}). Features mount
 * their own paths through {@link dev.sluice.gateway.http.Routes}; a route reads its JSON body with
 * {@link dev.sluice.gateway.http.JsonBody}, returns its answer from a vertx-web {@code respond}
 * endpoint (status and headers from {@link dev.sluice.gateway.http.JsonResponses}) and fails with a
 * {@link dev.sluice.gateway.core.GatewayException}: no feature writes a JSON answer or an error
 * body by hand. A few hot {@code POST} paths may also be served ahead of the router ({@link
 * dev.sluice.gateway.http.DirectRoute}) with the same body limit, 413 and error shape; they write
 * their bytes with {@link dev.sluice.gateway.http.JsonResponses#send}. This package depends on
 * {@code core} and {@code config} only, never on a feature.
 */
package dev.sluice.gateway.http;
