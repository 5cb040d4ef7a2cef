"""placeholder"""
COMMANDS = []
