"""Kotlin/JVM: compiled to a jar with the Kotlin runtime inside, run on the JVM as Java is.

The compiler is itself a JVM; its heap is capped as javac's is so it fits the compile limits.
The run's heap (-Xmx) stays below the memory limit, so running out of heap is the JVM's own
OutOfMemoryError (reported as MLE) before the kernel kills the process.
"""

from xcoder_judge.engine.languages.base import Language
from xcoder_judge.engine.languages.java import JVM_RUN_FLAGS, jvm_knobs

LANGUAGE = Language(
    id="kotlin",
    name="Kotlin (JVM)",
    source_file="main.kt",
    compile=(
        "{kotlinc}",
        "-J-Xmx768m",
        "-J-XX:+UseSerialGC",
        "-J-XX:TieredStopAtLevel=1",
        "-nowarn",
        "-include-runtime",
        "-d",
        "main.jar",
        "{sources}",
    ),
    artifacts=("main.jar",),
    run=("{java}", *JVM_RUN_FLAGS, "-jar", "{prog}/main.jar"),
    tools={"java": ("java",), "kotlinc": ("kotlinc",)},
    version_cmd=("{kotlinc}", "-version"),
    version_pattern=r"kotlinc-jvm (\d[\w.\-]*)",
    compile_env={"JAVA_OPTS": "-Xms32m"},
    compile_processes=128,
    compiles=("*.kt",),
    run_knobs=jvm_knobs,
    mle_markers=(b"java.lang.OutOfMemoryError",),
    self_test="fun main() { System.`in`.copyTo(System.out); System.out.flush() }\n",
)
