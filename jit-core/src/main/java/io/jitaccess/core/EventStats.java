package io.jitaccess.core;

/**
 * What became of the lifecycle events this facade published, per listener call.
 *
 * @param delivered listener calls that returned normally
 * @param failed    listener calls that threw (logged)
 * @param dropped   listener calls never made: the event executor refused them (queue full, shut down)
 */
public record EventStats(long delivered, long failed, long dropped) {
}
