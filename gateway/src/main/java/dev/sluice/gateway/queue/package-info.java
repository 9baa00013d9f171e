/**
 * Tenant queues in Redis: key names (every key of a partition carries the hash tag {@code
 * {t:<tenant>:<partition>}}), event ids, and the pull / acknowledge operations. A partition stream
 * holds exactly the unacknowledged events; acknowledged entries are deleted, so the stream length
 * is the backlog. A conversation (channel + end user) always lives in one partition and is handed
 * out in order.
 *
 * <p>{@link dev.sluice.gateway.queue.InboundStore} is the one class that calls the inbound queue's
 * Redis functions (admission, pull, acknowledge, backlog): typed arguments in, typed replies out.
 */
package dev.sluice.gateway.queue;
