"""Sending through a real aiosmtpd server over TLS: STARTTLS and implicit TLS, each with a
login, a certificate from a test CA (trustme), and the refusals that must happen: a server
whose certificate no trusted CA signed, and a wrong password."""

import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.notify.mailer import send
from services.notify.settings import NotifySettings
from shared.embedded_redis import free_port
from tests.notify.conftest import Recorder

USER, PASSWORD = "burg", "s3cret"


def check_login(server: Any, session: Any, envelope: Any, mechanism: str,
                auth_data: Any) -> AuthResult:
    right = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
             and auth_data.password == PASSWORD.encode())
    # handled=False: aiosmtpd itself answers a failure with 535 (its default says nothing).
    return AuthResult(success=right, handled=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(params=["starttls", "implicit"])
def tls_server(request: pytest.FixtureRequest, ca: trustme.CA
               ) -> Iterator[tuple[str, int, Recorder]]:
    recorder, port = Recorder(), free_port()
    if request.param == "starttls":  # plain first; no login before STARTTLS
        controller = Controller(recorder, hostname="127.0.0.1", port=port,
                                tls_context=server_tls(ca), require_starttls=True,
                                authenticator=check_login, auth_require_tls=True)
    else:
        controller = Controller(recorder, hostname="127.0.0.1", port=port,
                                ssl_context=server_tls(ca), authenticator=check_login,
                                auth_require_tls=False)  # the whole connection is TLS
    controller.start()
    yield request.param, port, recorder
    controller.stop()


def settings_for(mode: str, port: int, ca_file: str, *, password: str = PASSWORD
                 ) -> NotifySettings:
    return NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=mode == "starttls",
                          smtp_ssl=mode == "implicit", smtp_user=USER, smtp_password=password,
                          smtp_ca_file=ca_file, smtp_timeout=10)


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "noreply@burg.example", "frank@example.org", "Hi"
    mail.set_content("Over TLS.")
    return mail


def test_a_message_goes_over_tls_with_a_login(tls_server: tuple[str, int, Recorder],
                                              ca_file: str) -> None:
    mode, port, recorder = tls_server
    send(settings_for(mode, port, ca_file), message())
    [received] = recorder.messages
    assert received["Subject"] == "Hi" and received.get_content().strip() == "Over TLS."


def test_a_server_no_trusted_ca_signed_is_refused(tls_server: tuple[str, int, Recorder],
                                                  tmp_path: Path) -> None:
    mode, port, recorder = tls_server
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    with pytest.raises(ssl.SSLCertVerificationError):
        send(settings_for(mode, port, str(stranger)), message())
    assert recorder.messages == []


def test_a_wrong_password_is_refused(tls_server: tuple[str, int, Recorder],
                                     ca_file: str) -> None:
    mode, port, recorder = tls_server
    with pytest.raises(smtplib.SMTPAuthenticationError):
        send(settings_for(mode, port, ca_file, password="wrong"), message())
    assert recorder.messages == []
