package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Passwords in metadata database URLs go to the driver only: never into messages, causes or {@code database()}. */
class CredentialRedactionTest {

    private static final String PASSWORD = "s3cr3t-P4ss";

    @Test
    void passwordsAndUsersMoveFromTheUrlIntoConnectionProperties() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db:5432/meta?user=bob&password=" + PASSWORD + "&ssl=true");

        assertThat(url.vendor()).isEqualTo(DatabaseUrl.Vendor.POSTGRESQL);
        assertThat(url.connectUrl()).isEqualTo("jdbc:postgresql://db:5432/meta?ssl=true");
        assertThat(url.description()).isEqualTo("jdbc:postgresql://db:5432/meta");
        Properties properties = url.connectionProperties(new Properties());
        assertThat(properties.getProperty("user")).isEqualTo("bob");
        assertThat(properties.getProperty("password")).isEqualTo(PASSWORD);
    }

    @Test
    void credentialsBeforeTheHostArePercentDecodedAndRemoved() {
        for (String form : List.of("postgresql://bob:p%40ss%2Fw@db:5432/meta?sslmode=require",
                "postgres://bob:p%40ss%2Fw@db:5432/meta?sslmode=require",
                "jdbc:postgresql://bob:p%40ss%2Fw@db:5432/meta?sslmode=require")) {
            DatabaseUrl url = DatabaseUrl.parse(form);
            assertThat(url.connectUrl()).as(form).isEqualTo("jdbc:postgresql://db:5432/meta?sslmode=require");
            assertThat(url.description()).isEqualTo("jdbc:postgresql://db:5432/meta");
            Properties properties = url.connectionProperties(new Properties());
            assertThat(properties.getProperty("user")).isEqualTo("bob");
            assertThat(properties.getProperty("password")).isEqualTo("p@ss/w");
            assertThat(url.redact("failed with p@ss/w and p%40ss%2Fw")).isEqualTo("failed with *** and ***");
        }
    }

    @Test
    void sqliteUrlsAreKeptAndDescribedByTheirFile() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:sqlite:/home/u/.embedflow/embedflow.db");
        assertThat(url.vendor()).isEqualTo(DatabaseUrl.Vendor.SQLITE);
        assertThat(url.connectUrl()).isEqualTo("jdbc:sqlite:/home/u/.embedflow/embedflow.db");
        assertThat(url.description()).isEqualTo("/home/u/.embedflow/embedflow.db");
        assertThat(url.sqliteFile()).hasToString("/home/u/.embedflow/embedflow.db");
        assertThat(DatabaseUrl.parse("jdbc:sqlite::memory:").sqliteFile()).isNull();
        assertThat(DatabaseUrl.parse("jdbc:sqlite:file:x?mode=memory&cache=shared").sqliteFile()).isNull();
    }

    @Test
    void scrubbingReplacesEveryLinkThatNamesASecretAndKeepsTheRest() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db/meta?password=" + PASSWORD);
        SQLException root = new SQLException("no route for " + PASSWORD);
        RuntimeException top = new RuntimeException("wrapped", root);
        top.addSuppressed(new IllegalStateException("also " + PASSWORD));

        Throwable scrubbed = url.scrub(top);

        assertThat(everything(scrubbed)).doesNotContain(PASSWORD).contains("java.sql.SQLException: no route for ***");
        assertThat(scrubbed.getStackTrace()).isEqualTo(top.getStackTrace());
        RuntimeException clean = new RuntimeException("nothing secret");
        assertThat(url.scrub(clean)).isSameAs(clean);
    }

    @Test
    void anUnreachablePostgresServerIsReportedWithoutThePassword() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        for (String url : List.of("jdbc:postgresql://127.0.0.1:" + closedPort + "/meta?user=bob&password=" + PASSWORD,
                "postgresql://bob:" + PASSWORD + "@127.0.0.1:" + closedPort + "/meta",
                "jdbc:postgresql://bob:" + PASSWORD + "@no-such-host.invalid:5432/meta",
                "jdbc:postgresql://no-such-host.invalid/meta?password=" + PASSWORD + "&user=bob")) {
            Throwable failure = catchThrowable(() -> MetadataStore.open(url));
            assertThat(failure).as(url).isInstanceOf(OrchestratorException.class)
                    .hasMessageStartingWith("could not open metadata database jdbc:postgresql://");
            assertThat(everything(failure)).as(url).doesNotContain(PASSWORD).doesNotContain("bob:");
        }
    }

    @Test
    void aPasswordThatTheDriverEchoesIsScrubbedFromTheFailure() {
        // pgjdbc names an unparsable port in its error: the password here sits where the port belongs
        Throwable failure = catchThrowable(() -> MetadataStore.open("jdbc:postgresql://db:" + PASSWORD + "/meta?password="
                + PASSWORD));
        assertThat(failure).isInstanceOf(OrchestratorException.class);
        assertThat(everything(failure)).doesNotContain(PASSWORD);
    }

    /** Message, causes, suppressed failures and stack trace, as a log would print them. */
    static String everything(Throwable failure) {
        StringWriter out = new StringWriter();
        failure.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
