SET temp_directory = CAST($directory AS TEXT)
