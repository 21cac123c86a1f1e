/**
 * Import and export of Microsoft Defender for Cloud's {@code jitNetworkAccessPolicies} JSON (api-version
 * {@code 2020-01-01}): {@link io.jitaccess.defender.DefenderImporter} reads a policy, a list ({@code value[]}) or what
 * {@code az security jit-policy show|list} prints into a {@link io.jitaccess.defender.DefenderDocument} of
 * {@link io.jitaccess.core.policy.JitPolicy JitPolicies} (and, when asked, the {@code requests[]} history as
 * {@link io.jitaccess.core.Grant Grants}) plus a report of every {@link io.jitaccess.defender.Finding} that could not be
 * mapped; {@link io.jitaccess.defender.DefenderDocument#toJson()} writes the same schema back.
 */
package io.jitaccess.defender;
