package io.embedflow.orchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.embedflow.connectors.parquet.RejectedRow;
import io.embedflow.connectors.table.TableManifest;
import io.embedflow.orchestrator.metadata.RunOrigin;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Runs of every kind as their reports get them, some with hostile strings where users put text. */
final class ReportFixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String HOSTILE_MODEL = "evil\"<script>alert(1)</script>/1";
    static final String HOSTILE_INPUT = "/data/<img src=x onerror=alert(1)>/&amp;\"'";
    static final String HOSTILE_TEXT = "<b onclick=\"x()\">bold</b> & \"quotes\" </td></table><script>alert(2)</script>";
    static final String HOSTILE_ERROR = "boom: </pre><script>alert('x')</script><a href=\"https://example.com\">x</a>";
    static final Instant START = Instant.parse("2026-11-29T10:00:00Z");

    private ReportFixtures() {}

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static RunRecord run(String id, String kind, RunStatus status, String error) {
        RunRecord r = RunRecord.started(id, kind, HOSTILE_MODEL, "snap-" + id, "data-" + id, HOSTILE_INPUT, "/tables/out<1>",
                "{\"embedflow.input\":\"</td><script>x</script>\",\"embedflow.parallelism\":\"2\"}", "abc123", START);
        return r.finished(status, 1200, 1180, 20, 7, START.plusSeconds(4), error);
    }

    static RunFacts refresh() {
        RunRecord run = run("r-20261129-100000-000001", "refresh", RunStatus.SUCCEEDED, null)
                .withOrigin(new RunOrigin("docs<spec>", "SCHEDULE", "0 * * * *", 7L, 3L));
        JsonNode metrics = json("{'rows':1180,'batches':40,'tokens':30000,'paddedTokens':40000,'batchFill':0.75,"
                + "'rowsPerSecond':295.0,'tokensPerSecond':7500.0,'forwardSeconds':2.5,'inputWaitSeconds':1.5,"
                + "'tokenizeSeconds':0.8,'embedSeconds':4.0,'modelBusy':0.625,'bytesRead':123456,'readMegabytesPerSecond':0.03,"
                + "'readWaitSeconds':0.1,'inputWaitFraction':0.375,'rowsKept':100,'rowsNew':50,'rowsChanged':30,'rowsDropped':2,"
                + "'filesCarried':1,'filesRewritten':2,"
                + "'timeline':[[0.0,0],[1.0,100],[2.0,450],[3.0,900],[3.9,1200]],"
                + "'subtasks':[{'subtask':0,'rows':700,'embedSeconds':2.1,'inputWaitSeconds':0.7},"
                + "{'subtask':1,'rows':480,'embedSeconds':1.9,'inputWaitSeconds':0.8}]}");
        List<RejectedRow> rejected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rejected.add(new RejectedRow(1000L + i, "f<" + (i % 3) + ">.parquet", i, i % 2 == 0 ? "null text" : "empty text",
                    i == 1 ? HOSTILE_TEXT : null));
        }
        TableManifest manifest = new TableManifest(TableManifest.FORMAT, run.id(), run.modelSnapshotId(), run.modelRef(),
                run.dataSnapshotId(), "INT64", 128, 1180, 20, 7, START.plusSeconds(4), List.of(), List.of(), 3L, null);
        return new RunFacts(run, metrics, null, new RunFacts.TableFacts("/tables/out<1>/runs/" + run.id(), 4L, manifest,
                rejected), List.of());
    }

    static RunFacts failedRefresh() {
        RunRecord run = run("r-20261129-100000-000002", "refresh", RunStatus.FAILED, HOSTILE_ERROR);
        return new RunFacts(run, json("{'timeline':[[0.0,0],[1.0,40]]}"), null, null, List.of("the table at x cannot be read"));
    }

    static RunFacts infer() {
        RunRecord run = run("r-20261129-100000-000003", "infer", RunStatus.SUCCEEDED, null);
        JsonNode metrics = json("{'queries':1180,'queriesPerSecond':300.5,'predictions':11800,'corpus':'/tables/<corpus>',"
                + "'corpusVersion':2,'corpusRowsScanned':5000,'searchSeconds':0.4,'embedSeconds':1.2,"
                + "'timeline':[[0.0,0],[1.0,500],[2.0,1200]]}");
        return new RunFacts(run, metrics, null, null, List.of());
    }

    static RunFacts train() {
        RunRecord run = run("r-20261129-100000-000004", "train", RunStatus.SUCCEEDED, null);
        JsonNode metrics = json("{'steps':5,'attempts':2,'trainPairs':32,'heldOutPairs':8,'firstLoss':1.25,'lastLoss':0.31,"
                + "'loss':{'1':1.25,'2':0.9,'3':0.7,'4':0.5,'5':0.31},"
                + "'before':{'queries':8,'recallAt1':0.25,'recallAt5':0.5,'mrrAt10':0.4},"
                + "'after':{'queries':8,'recallAt1':0.5,'recallAt5':0.75,'mrrAt10':0.6},"
                + "'lineage':{'run':'r','base':'starter/1','baseSnapshot':'s1','data':'d1',"
                + "'gang':{'workers':2,'devicesPerWorker':1,'device':'cpu'}},'candidate':'starter/2'}");
        return new RunFacts(run, metrics, null, null, List.of());
    }

    static RunFacts eval() {
        RunRecord run = run("r-20261129-100000-000005", "eval", RunStatus.SUCCEEDED, null);
        JsonNode metrics = json("{'metrics':{'recall@1':0.5,'recall@10':0.9,'mrr@10':0.61,'ndcg@10':0.7,'rows_per_s':812.5,"
                + "'queries_per_s':120.0},'queries':30,'corpusTable':'/home/eval/x/corpus','corpusRun':'r-20261129-100000-000006',"
                + "'retrievalRun':'../../etc/passwd','queryIds':['1'],'perQuery':{}}");
        return new RunFacts(run, metrics, null, null, List.of());
    }

    static RunFacts bless() {
        RunRecord run = run("r-20261129-100000-000007", "bless", RunStatus.FAILED, "gates failed: recall@10 0.5 < 0.9");
        JsonNode metrics = json("{'decision':'rejected','gates':{'results':[{'gate':{'expression':'recall@10 >= baseline + 0.01',"
                + "'metric':'recall@10'},'candidate':0.5,'baseline':0.89,'threshold':0.9,'passed':false,"
                + "'explanation':'recall@10 0.5000 >= 0.9000 (baseline 0.8900 + 0.01): FAIL <b>'}],'passed':false},"
                + "'candidate':{'model':'tiny/2','eval':'r-20261129-100000-000008','metrics':{'recall@10':0.5}},"
                + "'baseline':{'model':'tiny/1','eval':'r-20261129-100000-000009','metrics':{'recall@10':0.89}}}");
        return new RunFacts(run, metrics, null, null, List.of());
    }
}
