/**
 * The Azure backend: {@link io.jitaccess.azure.AzureNsgBackend} implements the backend SPI on Azure Resource Manager
 * with the Azure SDK for Java, writing only child {@code securityRules} resources.
 */
package io.jitaccess.azure;
