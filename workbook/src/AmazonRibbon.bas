Attribute VB_Name = "AmazonRibbon"
' Callbacks of the "Amazon" ribbon tab (workbook/src/customUI14.xml).
'
' Source of the AmazonRibbon module of AmazonImport.xlsm and AmazonImport.xlam. Edit this file, then
' run `amazon-addin build-workbook`: a module edited only inside Excel is lost at the next build.
' Each callback hands over to Python through xlwings' RunPython (the xlwings module of the workbook).
' The add-in build appends "addin=True" to every call, so that Python works on the active workbook.
Option Explicit

Public Sub Charger(control As IRibbonControl)
    RunPython "import amazon_addin.ribbon as r; r.charger()"
End Sub

Public Sub Verifier(control As IRibbonControl)
    RunPython "import amazon_addin.ribbon as r; r.verifier()"
End Sub

Public Sub Corriger(control As IRibbonControl)
    RunPython "import amazon_addin.ribbon as r; r.corriger()"
End Sub

Public Sub Integrer(control As IRibbonControl)
    RunPython "import amazon_addin.ribbon as r; r.integrer()"
End Sub

Public Sub Parametres(control As IRibbonControl)
    RunPython "import amazon_addin.ribbon as r; r.parametres()"
End Sub
