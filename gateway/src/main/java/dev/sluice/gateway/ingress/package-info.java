/**
 * Provider webhooks in: one handler per provider verifies the signature over the raw bytes ({@code
 * signature}), takes the events out of the payload ({@code parse}) and hands them to admission.
 * Nothing is parsed before its signature has been verified.
 */
package dev.sluice.gateway.ingress;
