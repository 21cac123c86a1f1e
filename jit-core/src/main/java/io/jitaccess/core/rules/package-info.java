/**
 * The NSG rule model independent of Azure, the effective-access {@link io.jitaccess.core.rules.Evaluator}, the
 * {@link io.jitaccess.core.rules.RulePlanner} with its {@link io.jitaccess.core.rules.PriorityAllocator}, and the
 * {@link io.jitaccess.core.rules.RuleMetadata} codec that marks the rules the library owns.
 */
package io.jitaccess.core.rules;
