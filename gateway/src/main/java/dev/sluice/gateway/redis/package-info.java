/**
 * Redis connections: the shared client (single server or cluster, same code) and one pipelined
 * connection per verticle for hot paths. The scripts are one function library ({@code
 * redis/sluice.lua}) loaded with {@code FUNCTION LOAD REPLACE} at start (unless a newer version is
 * loaded) and called with {@code FCALL}; every key a call touches shares one hash tag, so it runs
 * unchanged on a cluster. {@link TurnBatcher} turns the writes of one event-loop turn into one
 * call.
 */
package dev.sluice.gateway.redis;
