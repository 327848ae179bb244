print('spin')
