package io.jitaccess.inmemory;

/** The backend calls the simulator counts and can fail on purpose. */
public enum Operation {
    /** {@code resolveVm}: a read (VM, NICs, subnets). */
    RESOLVE_VM(false),
    /** {@code readNsg}: a read. */
    READ_NSG(false),
    /** {@code readRule}: a read of one rule. */
    READ_RULE(false),
    /** {@code listNsgIds}, {@code readAllNsgs}, and one page of the NSG listing in {@code inventory}: a read. */
    LIST_NSGS(false),
    /** One page of the VM listing ({@code inventory}, {@code listVms}): a read. */
    LIST_VMS(false),
    /** One page of the NIC listing ({@code inventory}): a read. */
    LIST_NICS(false),
    /** One page of the virtual network listing ({@code inventory}): a read. */
    LIST_VNETS(false),
    /** {@code createRule}: a write (child-resource PUT). */
    CREATE_RULE(true),
    /**
     * {@code replaceRule}: a write (child-resource PUT with {@code If-Match}), applied only when the rule still equals
     * the expected one.
     */
    REPLACE_RULE(true),
    /** {@code deleteRule}: a write (child-resource DELETE). */
    DELETE_RULE(true),
    /** {@code putRule}: a write by someone else (a "foreign" writer: an admin, IaC). */
    PUT_RULE(true);

    private final boolean write;

    Operation(boolean write) {
        this.write = write;
    }

    /** Whether the call changes state. */
    public boolean isWrite() {
        return write;
    }
}
