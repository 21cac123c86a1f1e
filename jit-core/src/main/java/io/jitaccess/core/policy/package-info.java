/**
 * JIT policies (port rules per VM), limits and validation. Every refused input raises one
 * {@link io.jitaccess.core.ValidationException} listing all {@link io.jitaccess.core.policy.Violation}s.
 */
package io.jitaccess.core.policy;

import io.jitaccess.core.ValidationException;
