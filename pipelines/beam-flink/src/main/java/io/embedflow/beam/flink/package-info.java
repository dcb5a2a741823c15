/** The Beam refresh pipeline packaged for Beam's Flink runner. */
package io.embedflow.beam.flink;
