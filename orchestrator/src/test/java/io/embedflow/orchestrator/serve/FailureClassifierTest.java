package io.embedflow.orchestrator.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.OrchestratorException;
import java.net.ConnectException;
import java.util.concurrent.ExecutionException;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException;
import org.apache.flink.util.SerializedThrowable;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

    @Test
    void flinkUnreachableAndStoreHiccupsAreTransient() {
        assertThat(classify(new OrchestratorException("cannot submit the refresh job to http://flink:8081: Connection refused",
                new ConnectException("Connection refused")))).isEqualTo(FailureClass.TRANSIENT);
        assertThat(FailureClassifier.classify("S3Exception: Please reduce your request rate. (Service: S3, Status Code: 503, "
                + "Request ID: X) SlowDown").failureClass()).isEqualTo(FailureClass.TRANSIENT);
        assertThat(FailureClassifier.classify("software.amazon.awssdk.services.s3.model.S3Exception: We encountered an internal "
                + "error. Please try again. (Service: S3, Status Code: 500)").failureClass()).isEqualTo(FailureClass.TRANSIENT);
    }

    @Test
    void aLostTaskManagerIsAPreemptionEvenAcrossFlinksRpc() {
        Throwable fromTheJob = new ExecutionException(new JobException("Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy",
                new SerializedThrowable(new NoResourceAvailableException("Could not acquire the minimum required resources."))));
        assertThat(classify(new OrchestratorException("Job failed", fromTheJob))).isEqualTo(FailureClass.PREEMPTION);
        assertThat(FailureClassifier.classify("java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id "
                + "10.0.0.7:6122-af31 timed out.").failureClass()).isEqualTo(FailureClass.PREEMPTION);
        assertThat(FailureClassifier.classify("org.apache.flink.runtime.jobmaster.JobMasterException: TaskManager with id "
                + "tm-3 is no longer reachable.").failureClass()).isEqualTo(FailureClass.PREEMPTION);
        assertThat(FailureClassifier.classify(RunReconciler.ABANDONED).failureClass()).isEqualTo(FailureClass.PREEMPTION);
    }

    @Test
    void badInputAndBadModelsAreFatal() {
        assertThat(classify(new OrchestratorException("text column 'body' is not in /data/docs/part-0.parquet")))
                .isEqualTo(FailureClass.FATAL);
        assertThat(FailureClassifier.classify("model snapshot 3f9a is corrupt: config.json has no 'dimension'").failureClass())
                .isEqualTo(FailureClass.FATAL);
        assertThat(FailureClassifier.classify((String) null).failureClass()).isEqualTo(FailureClass.FATAL);
    }

    private static FailureClass classify(Throwable t) {
        return FailureClassifier.classify(t).failureClass();
    }
}
