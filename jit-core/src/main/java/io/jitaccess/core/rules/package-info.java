/**
 * The NSG rule model independent of Azure, the effective-access {@link io.jitaccess.core.rules.Evaluator}, the
 * {@link io.jitaccess.core.internal.RulePlanner} with its {@link io.jitaccess.core.internal.PriorityAllocator}, and the
 * {@link io.jitaccess.core.internal.RuleMetadata} codec that marks the rules the library owns.
 */
package io.jitaccess.core.rules;

import io.jitaccess.core.internal.PriorityAllocator;
import io.jitaccess.core.internal.RuleMetadata;
import io.jitaccess.core.internal.RulePlanner;
