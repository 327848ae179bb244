for (const [k, v] of Object.entries(process.env).sort()) console.log(`${k}=${v}`);
