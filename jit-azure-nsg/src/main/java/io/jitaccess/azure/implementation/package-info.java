/** Internals of the Azure backend: rule mapping, error translation, the write-header policy, RBAC permission evaluation. Not API. */
package io.jitaccess.azure.implementation;
