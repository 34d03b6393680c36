"""bland-sms-mock from Python: a mock you drive directly, and interception of `requests`/`httpx` calls.

    from bland_sms_mock import BlandMock, intercept

    with intercept() as mock:          # calls to https://api.bland.ai go to `mock`, no socket
        my_app.send_sms(...)
        mock.assert_request_made("POST", "/v1/sms/create", body={"message": "hi"})

The pytest fixtures (`bland_mock`, `bland_mock_shared`, `bland_mock_intercept`) come with the package.
"""

from mock_server import __version__
from mock_server.handle import BlandMock, MockClock, MockError, MockFaults
from mock_server.intercept import BlockedHostError, intercept

__all__ = ["BlandMock", "BlockedHostError", "MockClock", "MockError", "MockFaults", "__version__", "intercept"]
