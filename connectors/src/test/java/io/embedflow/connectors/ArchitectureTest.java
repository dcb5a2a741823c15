package io.embedflow.connectors;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps connectors engine-free, so that Flink, Beam and the orchestrator share it (DESIGN.md). */
class ArchitectureTest {
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.embedflow.connectors");

  @Test
  void doesNotDependOnFlinkOrBeam() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "org.apache.beam..")
        .check(MAIN);
  }

  @Test
  void doesNotDependOnOtherEmbedflowModules() {
    noClasses().should().dependOnClassesThat(
            resideInAPackage("io.embedflow..").and(resideOutsideOfPackage("io.embedflow.connectors..")))
        .check(MAIN);
  }

  @Test
  void redactionAndS3SettingsSitBelowTheStores() {
    noClasses().that().resideInAPackage("io.embedflow.connectors.redact..")
        .should().dependOnClassesThat(
            resideInAPackage("io.embedflow.connectors..").and(resideOutsideOfPackage("io.embedflow.connectors.redact..")))
        .check(MAIN);
    noClasses().that().resideInAnyPackage("io.embedflow.connectors.s3..", "io.embedflow.connectors.archive..")
        .should().dependOnClassesThat().resideInAnyPackage("io.embedflow.connectors.store..",
            "io.embedflow.connectors.parquet..", "io.embedflow.connectors.shard..", "io.embedflow.connectors.table..")
        .check(MAIN);
  }

  @Test
  void thePrefetcherSitsBesideTheStores() {
    noClasses().that().resideInAPackage("io.embedflow.connectors.prefetch..")
        .should().dependOnClassesThat().resideInAnyPackage("io.embedflow.connectors.parquet..",
            "io.embedflow.connectors.shard..", "io.embedflow.connectors.table..", "io.embedflow.connectors.archive..")
        .check(MAIN);
    noClasses().that().resideInAnyPackage("io.embedflow.connectors.s3..", "io.embedflow.connectors.store..",
            "io.embedflow.connectors.redact..")
        .should().dependOnClassesThat().resideInAPackage("io.embedflow.connectors.prefetch..")
        .check(MAIN);
  }

  @Test
  void shardPlanningDoesNotDependOnTheReadersAndWriters() {
    noClasses().that().resideInAnyPackage("io.embedflow.connectors.shard..", "io.embedflow.connectors.table..")
        .should().dependOnClassesThat().resideInAPackage("io.embedflow.connectors.parquet..")
        .check(MAIN);
  }
}
