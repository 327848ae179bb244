class Solution:
    def maxProfit(self, prices):
        # Forgets that not trading (profit 0) is allowed: negative on falling prices.
        return max(prices[j] - prices[i] for i in range(len(prices)) for j in range(i + 1, len(prices)))
