package io.embedflow.connectors.redact;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RedactionTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        // user info in URIs: all of it for s3, the password for the rest
        Arguments.of("s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/prefix", "s3://***@bucket/prefix"),
        Arguments.of("S3://AKIAEXAMPLE@bucket", "S3://***@bucket"),
        Arguments.of("postgresql://alice:s3cr3t@db.example:5432/meta", "postgresql://alice:***@db.example:5432/meta"),
        Arguments.of("jdbc:postgresql://alice:p@ss@db/meta", "jdbc:postgresql://alice:***@db/meta"),
        Arguments.of("cannot open https://user:tok3n@host/x: refused", "cannot open https://user:***@host/x: refused"),
        Arguments.of("http://alice@host/x", "http://alice@host/x"),
        // JDBC parameters and connection strings
        Arguments.of("jdbc:postgresql://db/meta?user=alice&password=s3cr3t&ssl=true",
            "jdbc:postgresql://db/meta?user=alice&password=***&ssl=true"),
        Arguments.of("jdbc:sqlserver://db;user=sa;Password=Hunter2;encrypt=true",
            "jdbc:sqlserver://db;user=sa;Password=***;encrypt=true"),
        Arguments.of("user-password=abc sslpassword=def", "user-password=*** sslpassword=***"),
        Arguments.of("{\"keyStorePassword\": \"x y z\"}", "{\"keyStorePassword\": \"***\"}"),
        // AWS secrets and session tokens
        Arguments.of("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = ***"),
        Arguments.of("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "AWS_SECRET_ACCESS_KEY=***"),
        Arguments.of("Credentials(accessKeyId=AKIA1, secretKey=wJalr+XUtn/FEMI=)",
            "Credentials(accessKeyId=AKIA1, secretKey=***)"),
        Arguments.of("{\"SecretAccessKey\":\"wJalrXUtnFEMI\",\"SessionToken\":\"IQoJb3JpZ2lu\"}",
            "{\"SecretAccessKey\":\"***\",\"SessionToken\":\"***\"}"),
        Arguments.of("<SecretAccessKey>wJalrXUtnFEMI</SecretAccessKey>", "<SecretAccessKey>***</SecretAccessKey>"),
        Arguments.of("AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH+abc=",
            "AWS_SESSION_TOKEN=***"),
        Arguments.of("export aws_session_token: FwoGZXIvYXdzE", "export aws_session_token: ***"),
        // left alone
        Arguments.of("s3://bucket/a/b.parquet", "s3://bucket/a/b.parquet"),
        Arguments.of("no object 'blobs/sha256/ab' in file:/data/store", "no object 'blobs/sha256/ab' in file:/data/store"),
        Arguments.of("mail me@example.com about s3://bucket/x", "mail me@example.com about s3://bucket/x"),
        Arguments.of("", ""));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void redacts(String input, String expected) {
    assertThat(Redaction.redact(input)).isEqualTo(expected);
    assertThat(Redaction.redact(expected)).as("idempotent").isEqualTo(expected);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void keepsNoSecretText(String input, String expected) {
    for (String secret : new String[] {"wJalr", "s3cr3t", "p@ss", "Hunter2", "IQoJb3", "FwoGZX", "tok3n"}) {
      assertThat(Redaction.redact(input)).doesNotContain(secret);
    }
  }
}
