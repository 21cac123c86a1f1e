package io.jitaccess.core;

/**
 * A backend refused to create a rule because of what the NSG holds now: {@link RuleExistsException} (a rule of that
 * name exists) or {@link RuleModifiedException} (the NSG changed since it was read: the planned priority and direction
 * are taken, ARM's {@code SecurityRuleConflict}). Nothing was written. Shaped like the Azure SDK's
 * {@code ResourceExistsException} / {@code ResourceModifiedException} pair.
 */
public abstract sealed class RuleConflictException extends BackendException
        permits RuleExistsException, RuleModifiedException {
    RuleConflictException(String code, String message, boolean retryable) {
        super(code, message, retryable, null);
    }
}
