/**
 * Serve replicas on Kubernetes: {@link io.embedflow.orchestrator.serve.k8s.LeaseLeadership} is a
 * {@link io.embedflow.orchestrator.serve.Leadership} held as a Lease through fabric8's leader
 * election, configured by {@link io.embedflow.orchestrator.serve.k8s.LeaseElection}.
 */
package io.embedflow.orchestrator.serve.k8s;
