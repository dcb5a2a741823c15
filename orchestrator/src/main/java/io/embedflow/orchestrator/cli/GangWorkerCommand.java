package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.train.TrainWorker;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code embedflow gang-worker PLAN}: one member of a training gang, as a launcher starts it (pods run this). */
@Command(name = "gang-worker", hidden = true, description = "One member of a training gang (started by a gang launcher).")
final class GangWorkerCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PLAN", description = "The run's plan.json.")
    String plan;

    @Override
    public Integer call() throws Exception {
        TrainWorker.main(new String[] {plan});
        return 0;
    }
}
