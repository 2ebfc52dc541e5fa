/**
 * Outbound calls: every HTTP request caravan makes to a peer, whichever family makes it, goes through this room.
 *
 * <ul>
 *   <li>{@link io.caravan.outbound.OutboundUrl}: a row's URL parsed as data (http/https, host, port, path, query);
 *       it never becomes part of a Camel endpoint URI, so its query string is the peer's and cannot set client
 *       options (proxyHost, followRedirects, throwExceptionOnFailure, okStatusCodeRange, httpClientConfigurer).
 *   <li>{@link io.caravan.outbound.Egress}: the allowlist and the https rule, checked when a row is validated and
 *       for every connection, on the host actually connected to.
 *   <li>{@link io.caravan.outbound.OutboundRequest}: the call a family prepares; the one place Idempotency-Key is set.
 *   <li>{@link io.caravan.outbound.OutboundHttp}: the one client configuration, and the one place an answer becomes
 *       what the error classifier ({@code io.caravan.errors.ErrorClassifier}) decides on.
 * </ul>
 *
 * <p>Why Apache HttpClient 5 used directly, rather than Camel's http component or the JDK client: camel-http builds
 * its request URL from message headers and, in Camel 4.18, resolves property placeholders in the
 * {@code CamelHttpUri} header, so a row's URL handed to it is still interpreted; and its endpoint options are exactly
 * what a row must not reach. The JDK client (used before for webhooks) costs more CPU per request than HttpClient 5
 * on the benchmark's loopback runs, and the feed, drain and trigger already ran on HttpClient 5 through camel-http.
 * Used directly it keeps their numbers, lets webhook delivery share the pool, and gives one hook (the route planner)
 * where the egress rule sees the host of every connection. Routes call it from a named step ({@code bean:
 * caravanOutbound, method: send}); the families' prepare steps build the request.
 *
 * <p>Kafka publishing stays with {@code io.caravan.events.KafkaEvents}: its endpoint URIs are built by caravan from a
 * declared topic name (an identifier), so no row text reaches them.
 *
 * <p>Imports: {@code io.caravan.errors} only. {@code template} and {@code config} import this room, never the
 * other way.
 */
package io.caravan.outbound;
