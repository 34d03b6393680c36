"""Constants shared by the hardening tests."""

DEMO_KEY = "sk-demo-bland-sms-mock"
DEMO_AGENT = "+15552223333"
