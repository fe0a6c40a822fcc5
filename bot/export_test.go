package bot

// ParseReceived is parseReceived, for the tests of package bot_test.
var ParseReceived = parseReceived
