"""The floor for the load test: a bare Gradio 6 app whose /classify only echoes its input.

Whatever a call to our app costs beyond this one is ours; what this one costs is Gradio's (the
queue, the event stream, the HTTP round trips). Started by benchmarks/load_test.py:

    GRADIO_SERVER_PORT=7861 python benchmarks/echo_app.py
"""

import gradio as gr


def classify(name: str) -> str:
    """Echo the name back: no model, no session state."""
    return name


with gr.Blocks(title="echo") as demo:
    name = gr.Textbox(label="Surname")
    answer = gr.Textbox(label="Echo")
    name.submit(classify, name, answer, api_name="classify")

if __name__ == "__main__":
    demo.launch()
