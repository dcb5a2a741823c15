package io.embedflow.tests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * djl-ops and connectors stay engine-free; the Beam transforms never reach Flink or the Flink jobs; nothing reaches into
 * another module's internals.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.embedflow");

    @Test
    void djlOpsAndConnectorsNeverDependOnFlinkOrBeam() {
        noClasses().that().resideInAnyPackage("io.embedflow.djl..", "io.embedflow.connectors..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "org.apache.beam..")
                .check(CLASSES);
    }

    @Test
    void beamPipelinesNeverDependOnFlinkOrTheFlinkJobs() {
        noClasses().that().resideInAPackage("io.embedflow.beam..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..", "io.embedflow.flink..",
                        "io.embedflow.orchestrator..")
                .check(CLASSES);
    }

    @Test
    void lowerModulesNeverDependOnHigherOnes() {
        noClasses().that().resideInAnyPackage("io.embedflow.djl..", "io.embedflow.connectors..")
                .should().dependOnClassesThat().resideInAnyPackage("io.embedflow.flink..", "io.embedflow.orchestrator..",
                        "io.embedflow.bench..")
                .check(CLASSES);
        noClasses().that().resideInAnyPackage("io.embedflow.djl..")
                .should().dependOnClassesThat().resideInAnyPackage("io.embedflow.connectors..")
                .check(CLASSES);
    }

    @Test
    void nothingImportsAnotherModulesInternalPackage() {
        noClasses().that().resideOutsideOfPackage("io.embedflow.connectors..")
                .should().dependOnClassesThat().resideInAnyPackage("io.embedflow.connectors.internal..")
                .check(CLASSES);
    }
}
