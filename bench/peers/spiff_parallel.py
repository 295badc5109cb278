"""Peer benchmark: SpiffWorkflow runs the same parallel-approval process as yizhan's joint item
(start → accept → two departments in parallel → join → decide → end), in memory, as fast as it
can for DURATION seconds. Prints `processes_per_s=<float>` on the last line.

Usage: python spiff_parallel.py [DURATION_SECONDS]
"""
import sys
import time
from io import BytesIO

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="joint" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="accept"/>
    <bpmn:userTask id="accept" name="accept"/>
    <bpmn:sequenceFlow id="f1" sourceRef="accept" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="dept_a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="dept_b"/>
    <bpmn:userTask id="dept_a" name="dept_a"/>
    <bpmn:userTask id="dept_b" name="dept_b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="dept_a" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="dept_b" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="decide"/>
    <bpmn:userTask id="decide" name="decide"/>
    <bpmn:sequenceFlow id="f7" sourceRef="decide" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def main():
    duration = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    parser = BpmnParser()
    parser.add_bpmn_io(BytesIO(BPMN), "joint.bpmn")
    spec = parser.get_spec("joint")
    done = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < duration:
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        while not wf.is_completed():
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                raise SystemExit("process stuck: no ready task")
            for t in ready:
                t.data["approved"] = True
                t.run()
            wf.do_engine_steps()
        done += 1
    elapsed = time.perf_counter() - t0
    print(f"processes={done} seconds={elapsed:.2f}")
    print(f"processes_per_s={done / elapsed:.1f}")


if __name__ == "__main__":
    main()
