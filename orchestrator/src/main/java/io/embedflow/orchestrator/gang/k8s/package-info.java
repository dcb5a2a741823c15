/**
 * Gangs on Kubernetes: {@link io.embedflow.orchestrator.gang.k8s.KubernetesGangLauncher} runs each
 * attempt of a gang as one JobSet that Kueue admits all at once;
 * {@link io.embedflow.orchestrator.gang.k8s.GangJobSet} renders that JobSet without a cluster.
 */
package io.embedflow.orchestrator.gang.k8s;
