Attribute VB_Name = "AmazonRibbon"
' Callbacks of the "Amazon" ribbon tab (workbook/src/customUI14.xml).
'
' Source of the AmazonRibbon module of AmazonImport.xlsm and AmazonImport.xlam. Edit this file, then
' run `amazon-addin build-workbook`: a module edited only inside Excel is lost at the next build.
' Each callback hands over to Python through xlwings' RunPython (the xlwings module of the workbook).
' The add-in build appends "addin=True" to every call, so that Python works on the calling workbook.
'
' The add-in's tab stays on the ribbon when no workbook is open (or only one in Protected View):
' ActiveWorkbook is then Nothing and xlwings' RunPython would stop on run-time error 91, so every
' callback checks it first.
Option Explicit

Private Const BOX_TITLE As String = "AmazonImport"
Private Const NO_WORKBOOK As String = "Aucun classeur n'est actif. Ouvrez un rapport Amazon ou un classeur " & _
    "(s'il s'ouvre en mode protégé, cliquez sur « Activer la modification »), puis cliquez de nouveau sur le bouton."

Public Sub Charger(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox NO_WORKBOOK, vbExclamation, BOX_TITLE
        Exit Sub
    End If
    RunPython "import amazon_addin.ribbon as r; r.charger()"
End Sub

Public Sub Verifier(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox NO_WORKBOOK, vbExclamation, BOX_TITLE
        Exit Sub
    End If
    RunPython "import amazon_addin.ribbon as r; r.verifier()"
End Sub

Public Sub Corriger(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox NO_WORKBOOK, vbExclamation, BOX_TITLE
        Exit Sub
    End If
    RunPython "import amazon_addin.ribbon as r; r.corriger()"
End Sub

Public Sub Integrer(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox NO_WORKBOOK, vbExclamation, BOX_TITLE
        Exit Sub
    End If
    RunPython "import amazon_addin.ribbon as r; r.integrer()"
End Sub

Public Sub Avoir(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox NO_WORKBOOK, vbExclamation, BOX_TITLE
        Exit Sub
    End If
    RunPython "import amazon_addin.ribbon as r; r.avoir()"
End Sub

Public Sub Parametres(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        MsgBox NO_WORKBOOK, vbExclamation, BOX_TITLE
        Exit Sub
    End If
    RunPython "import amazon_addin.ribbon as r; r.parametres()"
End Sub
