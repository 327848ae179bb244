const data = require('fs').readFileSync(0, 'utf8');
null.boom(data);
