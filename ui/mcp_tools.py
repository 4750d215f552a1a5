"""Which endpoints the MCP server offers as tools: classify only.

Gradio 6.31 offers every public API endpoint as an MCP tool, and has no per-event switch to leave
one out. But each MCP call is its own session: /train would spend minutes of the room's CPU on a
model that no later call can ask, /stop would stop nothing, /evaluate and /letters could only
describe the shipped model. So the tool list is filtered where Gradio builds it
(GradioMCPServer.get_tool_to_endpoint, which both the listing and the calls read). The endpoints
stay in the API for gradio_client, whose calls share a session. Remove if Gradio gains a switch.
"""

from __future__ import annotations

import warnings

import gradio.mcp

# Gradio's own, even when this module is imported again (gradio app.py reloads it on save).
_built_by_gradio = getattr(gradio.mcp.GradioMCPServer.get_tool_to_endpoint, "gradio",
                           gradio.mcp.GradioMCPServer.get_tool_to_endpoint)


def keep_only(*endpoints: str) -> None:
    """Offer only these API endpoints (e.g. "/classify") as MCP tools (idempotent)."""
    def tool_to_endpoint(server) -> dict[str, str]:
        return {tool: endpoint for tool, endpoint in _built_by_gradio(server).items() if endpoint in endpoints}

    tool_to_endpoint.gradio = _built_by_gradio
    gradio.mcp.GradioMCPServer.get_tool_to_endpoint = tool_to_endpoint
    # Gradio warns at start that classify's session State is its default in every MCP call: that is
    # the intent (README, MCP), not news to whoever starts the app.
    warnings.filterwarnings("ignore", message="This MCP server includes a tool that has a gr.State input")
