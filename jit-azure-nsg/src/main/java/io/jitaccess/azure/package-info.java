/**
 * The Azure backend: {@link io.jitaccess.azure.AzureNsgBackend} implements the backend SPI on Azure Resource Manager
 * with the Azure SDK for Java, writing only child {@code securityRules} resources;
 * {@link io.jitaccess.azure.AzureRbacAuthorizer} answers the {@code Authorizer} SPI from Azure RBAC (ARM's
 * permissions API, asked as the caller).
 */
package io.jitaccess.azure;
