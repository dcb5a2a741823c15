/**
 * Gangs: N workers x G devices that start together, meet at a rendezvous, and fail and restart
 * together. {@link io.embedflow.orchestrator.gang.GangRequest} is what a user asks for; a
 * {@link io.embedflow.orchestrator.gang.GangLauncher} starts the members of one attempt (local
 * worker processes, or pods on Kubernetes); the gang runtime restarts the whole gang from its newest
 * checkpoint when a member fails, within the request's restart budget.
 */
package io.embedflow.orchestrator.gang;
