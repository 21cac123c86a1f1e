/**
 * Internal helpers shared by the library's modules. <b>Not API</b>: these types are public only so that jit-inmemory
 * and jit-azure-nsg can use them; they may change or disappear in any release without notice.
 */
package io.jitaccess.core.internal;
