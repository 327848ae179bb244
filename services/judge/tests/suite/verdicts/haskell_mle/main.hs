import Control.Monad (forM_)
import Data.IORef

main :: IO ()
main = do
  r <- newIORef []
  forM_ [1 :: Int ..] $ \i -> modifyIORef' r (i :)
  readIORef r >>= print . length
