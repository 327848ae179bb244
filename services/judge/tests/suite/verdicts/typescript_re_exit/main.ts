console.log(3);
process.exit(3);
