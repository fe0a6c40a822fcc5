package bot

// ParseReceived is parseReceived, for the tests of package bot_test.
var ParseReceived = parseReceived

// CallbackExpired is callbackExpired, for the tests of package bot_test.
var CallbackExpired = callbackExpired
