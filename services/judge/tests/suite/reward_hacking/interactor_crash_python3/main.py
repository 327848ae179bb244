print('boom', flush=True)
