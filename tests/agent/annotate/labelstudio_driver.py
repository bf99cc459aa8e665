"""Drive a running Label Studio with label-studio-sdk: project with our config, tasks in, annotations, export out.

Run with the Python of Label Studio's own virtualenv (the SDK lives there, not in the project's venv):
``python labelstudio_driver.py URL TOKEN CONFIG.xml TASKS.json EXPORT.json``. Each task's prediction is also
imported as its annotation, as an annotator accepting every pre-annotation would leave it (one request; creating
580 annotations one by one through the API takes 200 s on the dev server); the export is sorted by task id.
"""

import json
import sys
import time

from label_studio_sdk import LabelStudio


def main(url: str, token: str, config: str, tasks_file: str, export_file: str) -> None:
    client = LabelStudio(base_url=url, api_key=token)
    tasks = json.load(open(tasks_file, encoding="utf-8"))
    started = time.perf_counter()
    project = client.projects.create(title="tage round trip", label_config=open(config, encoding="utf-8").read())
    accepted = [{**t, "annotations": [{"result": t["predictions"][0]["result"]}]} for t in tasks]
    client.projects.import_tasks(id=project.id, request=accepted)
    export = json.loads(b"".join(client.projects.exports.download_sync(project.id, export_type="JSON",
                                                                         download_all_tasks=True)))
    export.sort(key=lambda t: t["id"])
    json.dump(export, open(export_file, "w", encoding="utf-8"))
    print(f"{len(export)} tasks through Label Studio in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(*sys.argv[1:6])
