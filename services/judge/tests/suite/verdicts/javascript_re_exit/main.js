console.log(3);
process.exitCode = 3;
