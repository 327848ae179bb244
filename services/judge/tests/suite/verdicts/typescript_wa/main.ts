const nums: number[] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(nums[0] - nums[1]);
