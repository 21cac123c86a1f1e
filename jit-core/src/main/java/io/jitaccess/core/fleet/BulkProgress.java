package io.jitaccess.core.fleet;

/**
 * Progress of a bulk enable, reported after each VM is finished (enabled, skipped or failed), in completion order.
 *
 * @param done  VMs finished so far, this one included (1 to {@code total}, increasing by one per call)
 * @param total VMs in the request
 * @param last  the VM just finished
 */
public record BulkProgress(int done, int total, BulkReport.Result last) {
}
