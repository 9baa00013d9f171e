/**
 * Redis connections: the shared client (single server or cluster, same code) and one pipelined
 * connection per verticle for hot paths. The scripts are one function library ({@code
 * redis/sluice.lua}) loaded with {@code FUNCTION LOAD REPLACE} at start (unless a newer version is
 * loaded) and called with {@code FCALL}; every key a call touches shares one hash tag, so it runs
 * unchanged on a cluster. {@link TurnBatcher} turns the writes of one event-loop turn into one
 * call.
 *
 * <p>Nothing outside a store builds a function call: each feature's store (the inbound queue's
 * {@code InboundStore}, the outbound queue's {@code OutboundStore}, push delivery's {@code
 * PushStore}, the ledger's {@code LedgerStream}, the work sets') has one method per function with
 * typed arguments and replies, and sends through a {@link RedisCommands} (a verticle's {@link
 * PipelinedRedis}, or the pool for periodic upkeep).
 *
 * <p>Every key name starts with the gateway's key prefix ({@code redis.keyPrefix}, from {@link
 * RedisBackend#keyPrefix()} or {@link PipelinedRedis#keyPrefix()}): the namespace of one deployment
 * (the gateways on one PostgreSQL database), stamped with that database at start ({@link
 * RedisBackend#claimNamespace}) so that two deployments never share one.
 */
package dev.sluice.gateway.redis;
