class Solution:
    def first(self, nums):
        return nums[0]
