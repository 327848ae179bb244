process.stdout.write('3\n', () => process.abort());
