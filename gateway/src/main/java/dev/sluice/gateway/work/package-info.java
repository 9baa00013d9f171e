/**
 * Work sets and the scheduler that works them, shared by the dispatcher and the deliverer.
 *
 * <p>A work set ({@link WorkSet}) is a Redis sorted set of units ({@code tenant:partition}) scored
 * by when each is next due. Producers only ever bring a unit forward ({@code ZADD LT}); a claim
 * pushes a unit a claim's length ahead, so a unit whose claimer died comes back by itself; the
 * claimer puts it back when done (due later, due now, or out of the set when empty, sparing a unit
 * a producer marked due meanwhile). A {@link WorkScheduler} per verticle claims as many due units
 * as it has free slots and hands each to the dispatcher's or deliverer's own work; {@link Backoff}
 * is the retry delay of both.
 *
 * <p>Invariants: a scheduler never works more units at once than it has slots; a unit holds its
 * slot until its work has ended, and is never handed back while anything done under it is open; a
 * lease outlives every request made under it ({@link WorkScheduler#leaseOutliving}); nothing here
 * knows what a unit holds (messages, events): the work counts that for {@link WorkScheduler#park}.
 */
package dev.sluice.gateway.work;
